/** An AWS SDK client together with its package, for the package's Command classes. */
export interface SdkClient<Sdk, Client> {
  sdk: Sdk;
  client: Client;
}

export type LazyClient<Sdk, Client> = () => Promise<SdkClient<Sdk, Client>>;

/**
 * One client per service, made (and the SDK loaded) on first use only. The SDK costs more memory
 * than the rest of the agent once loaded: a worker's `watch`, which calls AWS only when its
 * instance leaves or asks to be drained, holds it only from then on. A load that failed is tried
 * again on the next use.
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
