// The last line of a switch over a closed union of codes or statuses: the
// compiler proves every member was handled (a new member fails to compile at
// each switch), and a value from outside the union, which only a cast or an
// unchecked native result can produce, throws instead of falling through.
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${String(value)}`);
}
