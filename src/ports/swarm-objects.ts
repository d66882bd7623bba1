/** A JSON object as the Docker Engine API sends and takes it (a spec, an IPAM block), passed on untouched. */
export type EngineObject = Record<string, unknown>;

/** An object the swarm holds, with the spec the engine answers for it. */
export interface SwarmObject {
  id: string;
  spec: EngineObject;
}

/** A network this manager sees, swarm-scoped or local. */
export interface NetworkFacts {
  id: string;
  name: string;
  /** `swarm` for networks the swarm holds (overlay), `local` for the engine's own (bridge, host). */
  scope: string;
  /** The routing mesh network every swarm makes for itself. */
  ingress: boolean;
  /** The fields POST /networks/create takes (Name, Driver, IPAM, Options, Labels, ...). */
  spec: EngineObject;
}

/** What the engine says of a secret: never its value (GET /secrets has no Data). */
export interface SecretFacts {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/**
 * The swarm's desired state as a manager reads and creates it: what a backup holds and a restore
 * brings back. Node labels go through Engine.updateNode.
 */
export interface SwarmObjects {
  /** GET /swarm: the swarm's id and spec (the join tokens in that answer are left out). */
  swarm(): Promise<SwarmObject>;
  services(): Promise<SwarmObject[]>;
  networks(): Promise<NetworkFacts[]>;
  /** Config specs hold their data, base64 in `Data`. */
  configs(): Promise<SwarmObject[]>;
  secrets(): Promise<SecretFacts[]>;
  /** Each returns the new object's id; an object of that name already there is refused by the engine (409). */
  createNetwork(spec: EngineObject): Promise<string>;
  createConfig(spec: EngineObject): Promise<string>;
  createService(spec: EngineObject): Promise<string>;
}
