// The test-data artifact's container: a strict `.tar.gz` reader (no third-party module) and a
// deterministic writer (pako).
export { DEFAULT_MAX_TAR_SIZE, decodeTarGz, type DecodeTarGzOptions } from './decode.js';
export { encodeTarGz } from './encode.js';
export { TAR_MTIME, findTarPathProblem, type TarEntry } from './tar/header.js';
export { decodeTar } from './tar/read.js';
export { encodeTar } from './tar/write.js';
