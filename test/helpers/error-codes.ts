/**
 * Finds every HubError constructed in source files and the code and exit code each one gets, so a
 * test can hold src/ to one exit code per error code (ERROR_CODES in src/errors.ts).
 */
import ts from 'typescript';
import * as errors from '../../src/errors.js';

/** One construction: where, which code, which exit code (null when the source does not say it literally). */
export interface ErrorUse {
  where: string;
  code: string | null;
  exitCode: number | null;
  /** The source text of the code argument when it is not a string literal. */
  expression?: string;
}

type HubErrorClass = new (message: string) => errors.HubError;

/** The HubError subclasses of src/errors.ts by name, with the exit code and default code each fixes. */
export function hubErrorClasses(): Map<string, { exitCode: number; defaultCode: string }> {
  const out = new Map<string, { exitCode: number; defaultCode: string }>();
  for (const [name, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || value === errors.HubError || !(value.prototype instanceof errors.HubError)) continue;
    const sample = new (value as HubErrorClass)('sample');
    out.set(name, { exitCode: sample.exitCode, defaultCode: sample.code });
  }
  return out;
}

/** Every `new HubError(...)` and `new <Subclass>(...)` in `text`. */
export function errorUses(path: string, text: string): ErrorUse[] {
  const classes = hubErrorClasses();
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: ErrorUse[] = [];
  const literal = (e: ts.Expression | undefined): string | null => (e && ts.isStringLiteralLike(e) ? e.text : null);
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      const args = node.arguments ?? [];
      const where = `${path}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
      const cls = classes.get(name);
      if (name === 'HubError') {
        const exit = args[2];
        let exitCode: number | null = null;
        if (exit === undefined || exit.getText(source) === 'undefined') exitCode = errors.ExitCode.error;
        else if (ts.isPropertyAccessExpression(exit) && exit.expression.getText(source) === 'ExitCode') exitCode = errors.ExitCode[exit.name.text as keyof typeof errors.ExitCode] ?? null;
        const code = literal(args[0]);
        uses.push({ where, code, exitCode, ...(code === null && args[0] ? { expression: args[0].getText(source) } : {}) });
      } else if (cls) {
        // subclasses take (message, opts, code); InterruptedError takes no code
        const codeArg = name === 'InterruptedError' ? undefined : args[2];
        const code = codeArg === undefined ? cls.defaultCode : literal(codeArg);
        uses.push({ where, code, exitCode: cls.exitCode, ...(code === null && codeArg ? { expression: codeArg.getText(source) } : {}) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/**
 * What is wrong with `uses` against `table`: a code missing from the table, a code with another
 * exit code than the table's, an exit code or code that is not a literal (unless `dynamic`
 * allows that expression in that file: `file: expression`).
 */
export function checkErrorUses(uses: readonly ErrorUse[], table: Readonly<Record<string, number>>, dynamic: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const u of uses) {
    if (u.code === null) {
      const key = `${u.where.replace(/:\d+$/, '')}: ${u.expression}`;
      if (!dynamic.has(key)) problems.push(`${u.where}: the code (${u.expression}) is not a string literal, so its exit code cannot be checked`);
      continue;
    }
    if (u.exitCode === null) problems.push(`${u.where}: '${u.code}' gets an exit code that is not ExitCode.<name>`);
    else if (!(u.code in table)) problems.push(`${u.where}: '${u.code}' (exit ${u.exitCode}) is not in ERROR_CODES (src/errors.ts) and docs/errors.md`);
    else if (table[u.code] !== u.exitCode) problems.push(`${u.where}: '${u.code}' exits ${u.exitCode} here, ${table[u.code]} in ERROR_CODES`);
  }
  return problems;
}
