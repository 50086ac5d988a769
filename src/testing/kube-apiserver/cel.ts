import { deepEqual, isObject } from './patch.js';

/**
 * A tiny CEL evaluator for the rule shapes CRDs use in `x-kubernetes-validations`: literals, `self`/`oldSelf`
 * field access, `has()`, `size()`, `! && || ?:`, comparisons, `in`, arithmetic, string `startsWith`/
 * `endsWith`/`contains`/`matches`, and the `all`/`exists` macros. No type checking, no cost limits; an
 * unsupported construct throws a `CelError` (reported by the caller like a real evaluation error).
 */
export class CelError extends Error {}

type Expr =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'member'; readonly target: Expr; readonly name: string }
  | { readonly kind: 'index'; readonly target: Expr; readonly index: Expr }
  | { readonly kind: 'call'; readonly name: string; readonly target?: Expr; readonly args: readonly Expr[] }
  | { readonly kind: 'unary'; readonly op: string; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'conditional'; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
  | { readonly kind: 'list'; readonly items: readonly Expr[] };

const tokenPattern =
  /\s*(?:(\d+\.\d+(?:[eE][+-]?\d+)?|\d+u?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[-+*/%<>!?:.,()[\]]))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(tokenPattern.lastIndex))) break;
    const at = tokenPattern.lastIndex;
    const match = tokenPattern.exec(source);
    if (match === null) throw new CelError(`Syntax error at position ${at} in ${JSON.stringify(source)}`);
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4]);
  }
  return tokens;
}

const binaryLevels: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['==', '!=', '<', '<=', '>', '>=', 'in'],
  ['+', '-'],
  ['*', '/', '%'],
];

class Parser {
  private position = 0;
  constructor(private readonly tokens: readonly string[]) {}

  parse(): Expr {
    const expr = this.conditional();
    if (this.position < this.tokens.length) throw new CelError(`unexpected token ${this.tokens[this.position]}`);
    return expr;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private take(expected?: string): string {
    const token = this.tokens[this.position++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new CelError(`expected ${expected ?? 'a token'}, found ${token ?? 'end of expression'}`);
    }
    return token;
  }

  private conditional(): Expr {
    const test = this.binary(0);
    if (this.peek() !== '?') return test;
    this.take('?');
    const then = this.conditional();
    this.take(':');
    return { kind: 'conditional', test, then, otherwise: this.conditional() };
  }

  private binary(level: number): Expr {
    if (level === binaryLevels.length) return this.unary();
    let left = this.binary(level + 1);
    while (binaryLevels[level].includes(this.peek() ?? '')) {
      const op = this.take();
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
    return left;
  }

  private unary(): Expr {
    if (this.peek() === '!' || this.peek() === '-') {
      const op = this.take();
      return { kind: 'unary', op, operand: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private args(): Expr[] {
    const args: Expr[] = [];
    this.take('(');
    while (this.peek() !== ')') {
      args.push(this.conditional());
      if (this.peek() === ',') this.take(',');
    }
    this.take(')');
    return args;
  }

  private postfix(start: Expr): Expr {
    let expr = start;
    for (;;) {
      if (this.peek() === '.') {
        this.take('.');
        const name = this.take();
        expr =
          this.peek() === '('
            ? { kind: 'call', name, target: expr, args: this.args() }
            : { kind: 'member', target: expr, name };
      } else if (this.peek() === '[') {
        this.take('[');
        expr = { kind: 'index', target: expr, index: this.conditional() };
        this.take(']');
      } else return expr;
    }
  }

  private primary(): Expr {
    const token = this.take();
    if (token === '(') {
      const inner = this.conditional();
      this.take(')');
      return inner;
    }
    if (token === '[') {
      const items: Expr[] = [];
      while (this.peek() !== ']') {
        items.push(this.conditional());
        if (this.peek() === ',') this.take(',');
      }
      this.take(']');
      return { kind: 'list', items };
    }
    if (/^\d/.test(token)) return { kind: 'literal', value: Number(token.replace(/u$/, '')) };
    if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) };
    if (token.startsWith("'")) {
      const inner = token
        .slice(1, -1)
        .replaceAll("\\'", "'")
        .replace(/(?<!\\)"/g, '\\"');
      return { kind: 'literal', value: JSON.parse(`"${inner}"`) };
    }
    if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
    if (token === 'null') return { kind: 'literal', value: null };
    if (/^[A-Za-z_]/.test(token)) {
      return this.peek() === '('
        ? { kind: 'call', name: token, args: this.args() }
        : { kind: 'identifier', name: token };
    }
    throw new CelError(`unexpected token ${token}`);
  }
}

type Environment = ReadonlyMap<string, unknown>;

function field(target: unknown, name: string): unknown {
  if (!isObject(target) || !(name in target)) throw new CelError(`no such key: ${name}`);
  return target[name];
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  throw new CelError('no matching overload for size');
}

function bool(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new CelError('no matching overload: expected a bool');
  return value;
}

function compare(op: string, left: unknown, right: unknown): boolean {
  if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string')) {
    throw new CelError(`no matching overload for ${op}`);
  }
  const a = left as number | string;
  const b = right as number | string;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function arithmetic(op: string, left: unknown, right: unknown): unknown {
  if (op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (op === '+' && Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (typeof left !== 'number' || typeof right !== 'number') throw new CelError(`no matching overload for ${op}`);
  const integers = Number.isInteger(left) && Number.isInteger(right);
  if ((op === '/' || op === '%') && integers && right === 0) throw new CelError('division by zero');
  if (op === '+') return left + right;
  if (op === '-') return left - right;
  if (op === '*') return left * right;
  if (op === '/') return integers ? Math.trunc(left / right) : left / right;
  return left % right;
}

function macro(expr: Expr & { kind: 'call' }, env: Environment): unknown {
  const [variable, body] = expr.args;
  if (variable?.kind !== 'identifier' || body === undefined)
    throw new CelError(`${expr.name} needs (variable, predicate)`);
  const target = evaluate(expr.target!, env);
  const elements = Array.isArray(target) ? target : isObject(target) ? Object.keys(target) : undefined;
  if (elements === undefined) throw new CelError(`no matching overload for ${expr.name}`);
  const test = (element: unknown) => bool(evaluate(body, new Map([...env, [variable.name, element]])));
  return expr.name === 'all' ? elements.every(test) : elements.some(test);
}

function call(expr: Expr & { kind: 'call' }, env: Environment): unknown {
  if (expr.name === 'has') {
    const [argument] = expr.args;
    if (argument?.kind !== 'member') throw new CelError('invalid argument to has() macro');
    const target = evaluate(argument.target, env);
    return isObject(target) && argument.name in target;
  }
  if (expr.target !== undefined && (expr.name === 'all' || expr.name === 'exists')) return macro(expr, env);
  const values = [
    ...(expr.target === undefined ? [] : [evaluate(expr.target, env)]),
    ...expr.args.map((arg) => evaluate(arg, env)),
  ];
  const [first, second] = values;
  const text = (value: unknown) => {
    if (typeof value !== 'string') throw new CelError(`no matching overload for ${expr.name}`);
    return value;
  };
  switch (expr.name) {
    case 'size':
      return sizeOf(first);
    case 'startsWith':
      return text(first).startsWith(text(second));
    case 'endsWith':
      return text(first).endsWith(text(second));
    case 'contains':
      return text(first).includes(text(second));
    case 'matches':
      return new RegExp(text(second)).test(text(first));
    case 'string':
      return String(first);
    case 'int':
      return Math.trunc(Number(first));
    case 'double':
      return Number(first);
    default:
      throw new CelError(`undeclared reference to '${expr.name}'`);
  }
}

function evaluate(expr: Expr, env: Environment): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'identifier':
      if (!env.has(expr.name)) throw new CelError(`undeclared reference to '${expr.name}'`);
      return env.get(expr.name);
    case 'member':
      return field(evaluate(expr.target, env), expr.name);
    case 'index': {
      const target = evaluate(expr.target, env);
      const index = evaluate(expr.index, env);
      if (Array.isArray(target) && typeof index === 'number') {
        if (index < 0 || index >= target.length) throw new CelError(`index out of bounds: ${index}`);
        return target[index];
      }
      return field(target, String(index));
    }
    case 'call':
      return call(expr, env);
    case 'unary': {
      const value = evaluate(expr.operand, env);
      if (expr.op === '!') return !bool(value);
      if (typeof value !== 'number') throw new CelError('no matching overload for -');
      return -value;
    }
    case 'conditional':
      return bool(evaluate(expr.test, env)) ? evaluate(expr.then, env) : evaluate(expr.otherwise, env);
    case 'list':
      return expr.items.map((item) => evaluate(item, env));
    case 'binary': {
      // && and || short-circuit as CEL's do for the common guard shape `!has(self.x) || self.x > 0`.
      if (expr.op === '&&') return bool(evaluate(expr.left, env)) && bool(evaluate(expr.right, env));
      if (expr.op === '||') return bool(evaluate(expr.left, env)) || bool(evaluate(expr.right, env));
      const left = evaluate(expr.left, env);
      const right = evaluate(expr.right, env);
      if (expr.op === '==') return deepEqual(left, right);
      if (expr.op === '!=') return !deepEqual(left, right);
      if (expr.op === 'in') {
        if (Array.isArray(right)) return right.some((item) => deepEqual(item, left));
        if (isObject(right)) return typeof left === 'string' && left in right;
        throw new CelError('no matching overload for in');
      }
      if (['<', '<=', '>', '>='].includes(expr.op)) return compare(expr.op, left, right);
      return arithmetic(expr.op, left, right);
    }
  }
}

const compiled = new Map<string, Expr>();

/** Evaluates a CEL expression with the given variables (`self`, `oldSelf`); throws CelError. */
export function evaluateCel(source: string, variables: Readonly<Record<string, unknown>>): unknown {
  let expr = compiled.get(source);
  if (expr === undefined) {
    expr = new Parser(tokenize(source)).parse();
    compiled.set(source, expr);
  }
  return evaluate(expr, new Map(Object.entries(variables)));
}
