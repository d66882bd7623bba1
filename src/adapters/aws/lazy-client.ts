/** An AWS SDK client together with its package, for the package's Command classes. */
export interface SdkClient<Sdk, Client> {
  sdk: Sdk;
  client: Client;
}

export type LazyClient<Sdk, Client> = () => Promise<SdkClient<Sdk, Client>>;

/**
 * One client per service, made (and its package loaded) on first use only. An SDK package costs
 * megabytes of code and schemas once loaded, EC2's most of all: a worker's `watch`, which may never
 * call EC2, SSM or KMS, then never holds them. A load that failed is tried again on the next use.
 */
export function lazyClient<Sdk, Client>(load: () => Promise<Sdk>, make: (sdk: Sdk) => Client): LazyClient<Sdk, Client> {
  let made: Promise<SdkClient<Sdk, Client>> | undefined;
  return () =>
    (made ??= load()
      .then((sdk) => ({ sdk, client: make(sdk) }))
      .catch((error: unknown) => {
        made = undefined;
        throw error;
      }));
}
