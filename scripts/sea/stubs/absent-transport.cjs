// Stands in for the transports dockerode loads at start but swarmnode never uses: ssh2 (DOCKER_HOST
// ssh://...), and @grpc/grpc-js, @grpc/proto-loader and protobufjs (BuildKit sessions for image
// builds). swarmnode talks to the local engine over its socket (or tcp://); leaving these out saves
// `watch`, which runs on every instance for the life of the fleet, their code and the objects their
// loading creates. Loading succeeds; anything used from them throws, naming what is missing.
const absent = (name) =>
  function absentTransport() {
    throw new Error(`${String(name)} is left out of the swarmnode single executable: DOCKER_HOST must be a unix:// or tcp:// address`);
  };
module.exports = new Proxy({}, { get: (_, name) => (name === '__esModule' ? false : absent(name)) });
