/**
 * Where the faces' code comes from. Run from source (tests, tsx) this is a
 * plain dynamic import; in the build, scripts/build.mjs puts in its place a
 * module that requires dist/faces.cjs on first use and hands it the main
 * bundle's modules (one build graph: each module and class exists once).
 */
import type * as FacesChunk from './faces-chunk.js';

export function loadFaceChunk(): Promise<typeof FacesChunk> {
  return import('./faces-chunk.js');
}
