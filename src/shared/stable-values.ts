/**
 * Values their maker promises never to change once marked (e.g. an instance view reused while the
 * records it was built from are unchanged). Serializers may keep their output per such value, so a
 * listing that repeats them costs a lookup per value instead of writing it again.
 */
const stable = new WeakSet<object>();

export function markStable<T extends object>(value: T): T {
  stable.add(value);
  return value;
}

export const isStable = (value: object): boolean => stable.has(value);
