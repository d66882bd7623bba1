// Stands in for dockerode's optional native add-ons (ssh2's cpu-features and sshcrypto.node) and
// debug's supports-color. Their callers already wrap the require in try/catch and fall back when the
// module is missing, so the stub behaves exactly like "not installed": a single executable cannot
// load a native .node file or any file next to it.
const error = new Error('optional module left out of the swarmnode single executable');
error.code = 'MODULE_NOT_FOUND';
throw error;
