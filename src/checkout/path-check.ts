/**
 * Which pathspecs a user may give a checkout. (Which tree entry names may be written is
 * `unsafeNameReason` in odb/objects/names.ts, shared with fetch.)
 */

/**
 * Why the pathspec `spec` (given by a user) must not be used, or undefined.
 * @example
 *   unsafePathspecReason('/etc/passwd') // 'is absolute'
 */
export function unsafePathspecReason(spec: string): string | undefined {
  if (spec.startsWith('/') || /^[A-Za-z]:/.test(spec) || spec.startsWith('\\')) return 'is absolute';
  if (spec.split(/[/\\]/).some((c) => c === '..')) return "climbs with '..'";
  return undefined;
}
