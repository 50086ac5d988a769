/**
 * A binary heap ordered by a comparator (negative: `a` first): the pods' event lists of the request-level
 * simulation (`des.ts`), the event list and the training queues of the fleet simulation.
 */
export class PriorityHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(a[parent], a[i]) <= 0) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < a.length && this.compare(a[left], a[first]) < 0) first = left;
        if (right < a.length && this.compare(a[right], a[first]) < 0) first = right;
        if (first === i) break;
        [a[first], a[i]] = [a[i], a[first]];
        i = first;
      }
    }
    return top;
  }

  /** Every item, in no particular order. */
  values(): readonly T[] {
    return this.items;
  }
}
