/**
 * The published constants of SHA-1 collision detection (sha1dc), as data in our own form:
 * the 32 disturbance vectors (DVs) that the detector checks, the expanded-message difference
 * `dm` of each (derived here from the DV's definition, not pasted), and the unavoidable bit
 * conditions (UBCs) that a block must meet before a DV is worth a recompression.
 *
 * Source of the facts: Marc Stevens and Dan Shumow, "Speeding up detection of SHA-1 collision
 * attacks using unavoidable attack conditions", USENIX Security 2017, and their library
 * cr-marcstevens/sha1collisiondetection (MIT License, Copyright 2017 Marc Stevens, Dan Shumow),
 * `lib/ubc_check.c` (`sha1_dvs[]`, `ubc_check`) at b4a7b0b, the version git vendors as `sha1dc/`
 * (read in, and checked against, the copy Debian ships: librust-sha1collisiondetection-dev 0.2.6).
 * DV names follow Manuel, "Classification and generation of disturbance vectors for collision
 * attacks against SHA-1" (Des. Codes Cryptogr. 59, 2011): I(K,b) and II(K,b).
 *
 * Layout of one DV's difference (80 words, one per SHA-1 step):
 * ```
 *   DV (disturbances, an expanded message)      window DV[K..K+15]: all zero except
 *     I(K,b):  DV[K+15] = 2^b                    II(K,b): also DV[K+1] = DV[K+3] = rotl(2^31, b)
 *   dm[t] = DV[t] ^ rotl(DV[t-1], 5) ^ DV[t-2] ^ rotl(DV[t-3] ^ DV[t-4] ^ DV[t-5], 30)
 *           (each disturbance plus the corrections of its local collision, steps t+1..t+5)
 * ```
 * No `node:` module, no globals.
 */

/** One disturbance vector; its mask bit in a UBC mask is its index in {@link SHA1DC_DVS}. */
export interface DisturbanceVector {
  /** `I(K,b)` or `II(K,b)`. */
  readonly name: string;
  readonly type: 1 | 2;
  readonly k: number;
  readonly b: number;
  /** The step whose stored state the recompression starts from (58 or 65). */
  readonly testt: 58 | 65;
}

function dv(type: 1 | 2, k: number, b: number, testt: 58 | 65): DisturbanceVector {
  return { name: `${type === 1 ? 'I' : 'II'}(${k},${b})`, type, k, b, testt };
}

/**
 * The 32 DVs, in the published table order (which fixes each one's mask bit), with the
 * recompression step the published table gives each.
 * @example
 *   SHA1DC_DVS[27]; // { name: 'II(52,0)', type: 2, k: 52, b: 0, testt: 65 }: the one every public collision hits
 */
export const SHA1DC_DVS: readonly DisturbanceVector[] = [
  dv(1, 43, 0, 58), dv(1, 44, 0, 58), dv(1, 45, 0, 58), dv(1, 46, 0, 58), dv(1, 46, 2, 58),
  dv(1, 47, 0, 58), dv(1, 47, 2, 58), dv(1, 48, 0, 58), dv(1, 48, 2, 58), dv(1, 49, 0, 58),
  dv(1, 49, 2, 58), dv(1, 50, 0, 65), dv(1, 50, 2, 65), dv(1, 51, 0, 65), dv(1, 51, 2, 65),
  dv(1, 52, 0, 65),
  dv(2, 45, 0, 58), dv(2, 46, 0, 58), dv(2, 46, 2, 58), dv(2, 47, 0, 58), dv(2, 48, 0, 58),
  dv(2, 49, 0, 58), dv(2, 49, 2, 58), dv(2, 50, 0, 65), dv(2, 50, 2, 65), dv(2, 51, 0, 65),
  dv(2, 51, 2, 65), dv(2, 52, 0, 65), dv(2, 53, 0, 65), dv(2, 54, 0, 65), dv(2, 55, 0, 65),
  dv(2, 56, 0, 65),
];

/** Rotate left by n in 0..31 (for n = 0, `x >>> 32` is `x >>> 0` in JavaScript: rotl(x, 0) = x). */
const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/**
 * The disturbances of DV `type`(`k`,`b`) at steps -5..79 (index t + 5): its 16-word window
 * set as in the definition, then the SHA-1 message expansion run forwards and backwards.
 */
function disturbances(type: 1 | 2, k: number, b: number): Int32Array {
  const v = new Int32Array(85);
  const at = (t: number): number => v[t + 5]!;
  v[k + 15 + 5] = 1 << b;
  if (type === 2) v[k + 1 + 5] = v[k + 3 + 5] = rotl(1 << 31, b);
  // W[t] = rotl(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16], 1), solved for W[t-16] going backwards
  for (let t = k - 1; t >= -5; t--) v[t + 5] = rotl(at(t + 16), 31) ^ at(t + 13) ^ at(t + 8) ^ at(t + 2);
  for (let t = k + 16; t < 80; t++) v[t + 5] = rotl(at(t - 3) ^ at(t - 8) ^ at(t - 14) ^ at(t - 16), 1);
  return v;
}

/**
 * The expanded-message XOR difference `dm[0..79]` of a DV: the disturbance at each step plus
 * the five corrections of its local collision.
 * @example
 *   expandedDifference(2, 52, 0)[0]; // 0x0c000002
 */
export function expandedDifference(type: 1 | 2, k: number, b: number): Int32Array {
  const v = disturbances(type, k, b);
  const dm = new Int32Array(80);
  for (let t = 0; t < 80; t++) {
    const i = t + 5;
    dm[t] = v[i]! ^ rotl(v[i - 1]!, 5) ^ v[i - 2]! ^ rotl(v[i - 3]! ^ v[i - 4]! ^ v[i - 5]!, 30);
  }
  return dm;
}

/**
 * `dm` of every DV, row `i` (DV `SHA1DC_DVS[i]`) at `[80 * i, 80 * i + 80)`.
 * @example
 *   SHA1DC_DM[80 * 27 + 0]; // dm[0] of II(52,0)
 */
export const SHA1DC_DM: Int32Array = /* @__PURE__ */ (() => {
  const all = new Int32Array(80 * SHA1DC_DVS.length);
  SHA1DC_DVS.forEach((d, i) => all.set(expandedDifference(d.type, d.k, d.b), 80 * i));
  return all;
})();

/**
 * One unavoidable bit condition: bit `bitA` of expanded word W[`wordA`], XORed with bit `bitB`
 * of W[`wordB`], is 0 (`'='`, the bits are equal) or 1 (`'!='`) in every attack along each DV
 * listed. A block meets a DV's UBCs when all of that DV's conditions hold.
 */
export type UbcCondition = readonly [wordA: number, bitA: number, relation: '=' | '!=', wordB: number, bitB: number, dvs: string];

/**
 * The 156 unavoidable bit conditions of the published detector (Stevens and Shumow, MIT; its
 * `ubc_check` evaluates the same conditions, some of them fused into multi-bit expressions),
 * one per line, the widest DV sets first. Order carries no meaning: scripts/gen-sha1dc-ubc.mjs
 * picks the order in which src/backend/sha1dc-ubc.ts evaluates them.
 */
export const UBC_CONDITIONS: readonly UbcCondition[] = [
  [44, 29, '=', 45, 29, 'I(48,0) I(51,0) I(52,0) II(45,0) II(46,0) II(50,0) II(51,0)'],
  [40, 29, '=', 41, 29, 'I(44,0) I(47,0) I(48,0) II(46,0) II(47,0) II(56,0)'],
  [41, 4, '=', 44, 29, 'I(43,0) I(45,0) I(47,0) I(51,0) II(45,0) II(50,0)'],
  [43, 29, '=', 44, 29, 'I(47,0) I(50,0) I(51,0) II(45,0) II(49,0) II(50,0)'],
  [42, 4, '=', 45, 29, 'I(44,0) I(46,0) I(48,0) I(52,0) II(46,0) II(51,0)'],
  [43, 4, '=', 46, 29, 'I(43,0) I(45,0) I(47,0) I(49,0) II(47,0) II(52,0)'],
  [45, 29, '=', 46, 29, 'I(49,0) I(52,0) II(46,0) II(47,0) II(51,0) II(52,0)'],
  [44, 4, '=', 47, 29, 'I(44,0) I(46,0) I(48,0) I(50,0) II(48,0) II(53,0)'],
  [46, 29, '=', 47, 29, 'I(43,0) I(50,0) II(47,0) II(48,0) II(52,0) II(53,0)'],
  [45, 4, '=', 48, 29, 'I(45,0) I(47,0) I(49,0) I(51,0) II(49,0) II(54,0)'],
  [47, 29, '=', 48, 29, 'I(44,0) I(51,0) II(48,0) II(49,0) II(53,0) II(54,0)'],
  [46, 4, '=', 49, 29, 'I(46,0) I(48,0) I(50,0) I(52,0) II(50,0) II(55,0)'],
  [48, 29, '=', 49, 29, 'I(45,0) I(52,0) II(49,0) II(50,0) II(54,0) II(55,0)'],
  [47, 4, '=', 50, 29, 'I(47,0) I(49,0) I(51,0) II(45,0) II(51,0) II(56,0)'],
  [49, 29, '=', 50, 29, 'I(46,0) II(45,0) II(50,0) II(51,0) II(55,0) II(56,0)'],
  [37, 4, '=', 40, 29, 'I(43,0) I(47,0) II(46,0) II(53,0) II(55,0)'],
  [38, 4, '=', 41, 29, 'I(44,0) I(48,0) II(47,0) II(54,0) II(56,0)'],
  [39, 4, '=', 42, 29, 'I(43,0) I(45,0) I(49,0) II(48,0) II(55,0)'],
  [41, 29, '=', 42, 29, 'I(45,0) I(48,0) I(49,0) II(47,0) II(48,0)'],
  [40, 4, '=', 43, 29, 'I(44,0) I(46,0) I(50,0) II(49,0) II(56,0)'],
  [42, 29, '=', 43, 29, 'I(46,0) I(49,0) I(50,0) II(48,0) II(49,0)'],
  [48, 4, '=', 51, 29, 'I(48,0) I(50,0) I(52,0) II(46,0) II(52,0)'],
  [50, 29, '=', 51, 29, 'I(47,0) II(46,0) II(51,0) II(52,0) II(56,0)'],
  [49, 4, '=', 52, 29, 'I(49,0) I(51,0) II(45,0) II(47,0) II(53,0)'],
  [50, 4, '=', 53, 29, 'I(50,0) I(52,0) II(46,0) II(48,0) II(54,0)'],
  [52, 29, '=', 53, 29, 'I(49,0) II(45,0) II(48,0) II(53,0) II(54,0)'],
  [53, 29, '=', 54, 29, 'I(50,0) II(46,0) II(49,0) II(54,0) II(55,0)'],
  [54, 29, '=', 55, 29, 'I(51,0) II(47,0) II(50,0) II(55,0) II(56,0)'],
  [36, 4, '=', 40, 29, 'I(46,0) I(49,0) II(45,0) II(48,0)'],
  [51, 29, '=', 52, 29, 'I(48,0) II(47,0) II(52,0) II(53,0)'],
  [51, 4, '=', 54, 29, 'I(51,0) II(47,0) II(49,0) II(55,0)'],
  [52, 4, '=', 55, 29, 'I(52,0) II(48,0) II(50,0) II(56,0)'],
  [55, 29, '=', 56, 29, 'I(52,0) II(48,0) II(51,0) II(56,0)'],
  [36, 1, '!=', 37, 6, 'I(47,2) I(50,2) II(46,2)'],
  [35, 4, '=', 39, 29, 'I(45,0) I(48,0) II(47,0)'],
  [37, 4, '!=', 39, 4, 'I(43,0) II(53,0) II(55,0)'],
  [38, 4, '!=', 40, 4, 'I(44,0) II(54,0) II(56,0)'],
  [39, 1, '!=', 40, 6, 'I(46,2) I(50,2) II(49,2)'],
  [39, 4, '!=', 41, 4, 'I(43,0) I(45,0) II(55,0)'],
  [40, 1, '!=', 41, 6, 'I(47,2) I(51,2) II(50,2)'],
  [40, 4, '!=', 42, 4, 'I(44,0) I(46,0) II(56,0)'],
  [41, 1, '!=', 42, 6, 'I(48,2) II(46,2) II(51,2)'],
  [44, 6, '=', 46, 6, 'I(46,2) I(48,2) I(50,2)'],
  [44, 29, '!=', 46, 29, 'I(43,0) I(45,0) I(47,0)'],
  [45, 6, '=', 47, 6, 'I(47,2) I(49,2) I(51,2)'],
  [45, 29, '!=', 47, 29, 'I(44,0) I(46,0) I(48,0)'],
  [46, 29, '!=', 48, 29, 'I(45,0) I(47,0) I(49,0)'],
  [47, 29, '!=', 49, 29, 'I(46,0) I(48,0) I(50,0)'],
  [48, 29, '!=', 50, 29, 'I(47,0) I(49,0) I(51,0)'],
  [49, 29, '!=', 51, 29, 'I(48,0) I(50,0) I(52,0)'],
  [50, 29, '!=', 52, 29, 'I(49,0) I(51,0) II(45,0)'],
  [51, 29, '!=', 54, 29, 'I(50,0) II(46,0) II(47,0)'],
  [53, 29, '!=', 56, 29, 'I(52,0) II(48,0) II(49,0)'],
  [35, 1, '!=', 36, 6, 'I(46,2) I(49,2)'],
  [36, 4, '!=', 38, 4, 'II(52,0) II(54,0)'],
  [37, 1, '!=', 38, 6, 'I(48,2) I(51,2)'],
  [35, 3, '=', 39, 28, 'I(51,0) II(47,0)'],
  [37, 4, '=', 41, 29, 'I(50,0) II(49,0)'],
  [40, 6, '=', 41, 1, 'I(50,2) II(49,2)'],
  [38, 4, '=', 42, 29, 'I(51,0) II(50,0)'],
  [41, 6, '=', 42, 1, 'I(51,2) II(50,2)'],
  [39, 4, '=', 43, 29, 'I(52,0) II(51,0)'],
  [42, 6, '=', 43, 1, 'II(46,2) II(51,2)'],
  [42, 6, '=', 44, 6, 'I(46,2) I(48,2)'],
  [43, 6, '=', 45, 6, 'I(47,2) I(49,2)'],
  [44, 1, '!=', 45, 6, 'I(51,2) II(49,2)'],
  [46, 6, '=', 47, 1, 'I(46,2) II(50,2)'],
  [46, 6, '=', 48, 6, 'I(48,2) I(50,2)'],
  [47, 6, '=', 48, 1, 'I(47,2) II(51,2)'],
  [47, 6, '=', 49, 6, 'I(49,2) I(51,2)'],
  [48, 6, '=', 50, 6, 'I(50,2) II(46,2)'],
  [50, 6, '=', 51, 1, 'I(50,2) II(46,2)'],
  [48, 29, '!=', 55, 29, 'I(51,0) I(52,0)'],
  [53, 4, '=', 56, 29, 'II(49,0) II(51,0)'],
  [54, 4, '=', 57, 29, 'II(50,0) II(52,0)'],
  [56, 29, '=', 57, 29, 'II(49,0) II(52,0)'],
  [55, 4, '=', 58, 29, 'II(51,0) II(53,0)'],
  [57, 29, '=', 58, 29, 'II(50,0) II(53,0)'],
  [56, 4, '=', 59, 29, 'II(52,0) II(54,0)'],
  [56, 29, '!=', 59, 29, 'II(51,0) II(52,0)'],
  [58, 29, '=', 59, 29, 'II(51,0) II(54,0)'],
  [60, 0, '!=', 61, 5, 'I(45,0) II(45,0)'],
  [61, 0, '!=', 62, 5, 'I(46,0) II(46,0)'],
  [61, 2, '!=', 62, 7, 'I(46,2) II(46,2)'],
  [62, 0, '!=', 63, 5, 'I(47,0) II(47,0)'],
  [63, 0, '!=', 64, 5, 'I(48,0) II(48,0)'],
  [63, 1, '!=', 64, 6, 'I(45,0) II(45,0)'],
  [36, 4, '!=', 37, 4, 'I(50,0)'],
  [37, 1, '=', 37, 6, 'I(51,2)'],
  [37, 4, '!=', 38, 4, 'I(51,0)'],
  [35, 5, '=', 39, 30, 'I(51,2)'],
  [38, 4, '!=', 39, 4, 'I(52,0)'],
  [35, 30, '!=', 40, 28, 'II(48,0)'],
  [36, 3, '=', 40, 28, 'II(48,0)'],
  [38, 1, '!=', 40, 1, 'I(49,2)'],
  [39, 6, '=', 40, 1, 'I(49,2)'],
  [36, 30, '!=', 41, 28, 'II(49,0)'],
  [36, 0, '!=', 41, 30, 'II(49,2)'],
  [37, 3, '=', 41, 28, 'II(49,0)'],
  [37, 5, '=', 41, 30, 'II(49,2)'],
  [37, 30, '!=', 42, 28, 'II(50,0)'],
  [37, 0, '!=', 42, 30, 'II(50,2)'],
  [38, 3, '=', 42, 28, 'II(50,0)'],
  [38, 5, '=', 42, 30, 'II(50,2)'],
  [40, 6, '=', 42, 6, 'I(46,2)'],
  [38, 30, '!=', 43, 28, 'II(51,0)'],
  [38, 0, '!=', 43, 30, 'II(51,2)'],
  [39, 3, '=', 43, 28, 'II(51,0)'],
  [39, 5, '=', 43, 30, 'II(51,2)'],
  [41, 6, '=', 43, 6, 'I(47,2)'],
  [39, 30, '!=', 44, 28, 'II(52,0)'],
  [40, 3, '=', 44, 28, 'II(52,0)'],
  [40, 4, '=', 44, 29, 'II(52,0)'],
  [41, 3, '=', 45, 28, 'II(53,0)'],
  [41, 4, '=', 45, 29, 'II(53,0)'],
  [42, 3, '=', 46, 28, 'II(54,0)'],
  [42, 4, '=', 46, 29, 'II(54,0)'],
  [45, 6, '=', 46, 1, 'II(49,2)'],
  [43, 3, '=', 47, 28, 'II(55,0)'],
  [43, 4, '=', 47, 29, 'II(55,0)'],
  [45, 1, '!=', 47, 1, 'II(50,2)'],
  [44, 3, '=', 48, 28, 'II(56,0)'],
  [44, 4, '=', 48, 29, 'II(56,0)'],
  [46, 1, '!=', 48, 1, 'II(51,2)'],
  [48, 6, '=', 49, 1, 'I(48,2)'],
  [42, 1, '!=', 50, 1, 'I(49,2)'],
  [49, 6, '=', 50, 1, 'I(49,2)'],
  [43, 1, '!=', 51, 1, 'I(50,2)'],
  [47, 1, '!=', 51, 1, 'II(46,2)'],
  [49, 6, '=', 51, 6, 'I(51,2)'],
  [51, 6, '=', 52, 1, 'I(51,2)'],
  [51, 6, '=', 53, 6, 'II(49,2)'],
  [50, 1, '!=', 54, 1, 'II(49,2)'],
  [52, 6, '=', 54, 6, 'II(50,2)'],
  [53, 6, '=', 54, 1, 'II(49,2)'],
  [51, 1, '!=', 55, 1, 'II(50,2)'],
  [53, 6, '=', 55, 6, 'II(51,2)'],
  [54, 6, '=', 55, 1, 'II(50,2)'],
  [52, 1, '!=', 56, 1, 'II(51,2)'],
  [55, 6, '=', 56, 1, 'II(51,2)'],
  [55, 29, '!=', 58, 29, 'II(50,0)'],
  [57, 4, '=', 59, 29, 'II(55,0)'],
  [59, 29, '=', 60, 29, 'II(52,0)'],
  [57, 4, '=', 61, 29, 'II(53,0)'],
  [58, 29, '!=', 61, 29, 'II(53,0)'],
  [58, 4, '=', 62, 29, 'II(54,0)'],
  [61, 1, '!=', 62, 6, 'I(43,0)'],
  [58, 0, '!=', 63, 30, 'I(43,0)'],
  [59, 4, '=', 63, 29, 'II(55,0)'],
  [59, 5, '=', 63, 30, 'I(43,0)'],
  [62, 1, '!=', 63, 6, 'I(44,0)'],
  [62, 2, '!=', 63, 7, 'I(47,2)'],
  [59, 0, '!=', 64, 30, 'I(44,0)'],
  [60, 4, '=', 64, 29, 'II(56,0)'],
  [60, 5, '=', 64, 30, 'I(44,0)'],
  [63, 2, '!=', 64, 7, 'I(48,2)'],
];

/**
 * The UBC-mask bits of a space-separated list of DV names (as in {@link UBC_CONDITIONS}).
 * @throws RangeError for a name that is not one of the 32 DVs.
 * @example
 *   dvMask('I(43,0) II(56,0)'); // (1 << 0) | (1 << 31)
 */
export function dvMask(names: string): number {
  let mask = 0;
  for (const name of names.split(' ')) {
    const i = SHA1DC_DVS.findIndex((d) => d.name === name);
    if (i < 0) throw new RangeError(`dvMask: no disturbance vector named ${JSON.stringify(name)}`);
    mask |= 1 << i;
  }
  return mask;
}
