import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from './testing/paths.js';

/**
 * The project's documents are all reachable from the README, their links lead somewhere, and the issue forms are
 * forms GitHub accepts. A document nobody can find, or a link to a renamed heading, fails here.
 */

const readme = 'README.md';
const topLevelDocuments = ['ROADMAP.md', 'CONTRIBUTING.md', 'DEVELOPERS.md'];
const docsFolder = 'docs';

/** Every Markdown file of docs/ (repo-relative). */
function docsMarkdown(): string[] {
  return readdirSync(join(repoRoot, docsFolder))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${docsFolder}/${name}`);
}

/** The text outside fenced code blocks: links and headings inside examples are not links and headings. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
}

/** Relative link targets of a Markdown file: `[text](target)` and `![alt](target)`, without web addresses. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

function brokenLinks(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return relativeLinks(text).flatMap((target) => {
    const [pathPart, anchor] = target.split('#');
    const path = pathPart === '' ? join(repoRoot, file) : resolve(join(repoRoot, dirname(file)), pathPart);
    if (!existsSync(path)) return [`${file}: link to ${target}: no such file`];
    if (anchor === undefined || !path.endsWith('.md') || statSync(path).isDirectory()) return [];
    return headingAnchors(readFileSync(path, 'utf8')).has(anchor)
      ? []
      : [`${file}: link to ${target}: ${relative(repoRoot, path)} has no heading with anchor #${anchor}`];
  });
}

describe('documents', () => {
  it('every document (docs/*.md, the architecture diagram, ROADMAP, CONTRIBUTING) is linked from the README', () => {
    const targets = new Set(relativeLinks(readFileSync(join(repoRoot, readme), 'utf8')).map((t) => t.split('#')[0]));
    const documents = [...docsMarkdown(), `${docsFolder}/architecture.svg`, ...topLevelDocuments];
    assert.deepEqual(
      documents.filter((document) => !targets.has(document)),
      [],
      'add these to the README',
    );
  });

  it('every relative link in the README and the documents leads to an existing file and heading', () => {
    const files = [readme, ...topLevelDocuments, ...docsMarkdown()];
    assert.deepEqual(files.flatMap(brokenLinks), []);
  });

  it('recognizes GitHub anchors, including punctuation, code and non-Latin headings', () => {
    const anchors = headingAnchors(
      '# The backtest protocol (`prescale backtest`)\n## Результаты\n## How the experiment’s week: 8–15 July\n## Scores\n## Scores\n```\n# not a heading\n```\n',
    );
    assert.deepEqual(
      [...anchors],
      [
        'the-backtest-protocol-prescale-backtest',
        'результаты',
        'how-the-experiments-week-815-july',
        'scores',
        'scores-1',
      ],
    );
  });
});

describe('issue and pull-request templates', () => {
  const formsFolder = join(repoRoot, '.github/ISSUE_TEMPLATE');
  const forms = readdirSync(formsFolder).filter((name) => name.endsWith('.yml') && name !== 'config.yml');

  it('has a bug report and a feature request form, and a pull-request template', () => {
    assert.deepEqual(forms.sort(), ['bug_report.yml', 'feature_request.yml']);
    assert.match(readFileSync(join(repoRoot, '.github/pull_request_template.md'), 'utf8'), /## How it is tested/);
  });

  for (const form of forms) {
    it(`${form} is an issue form: name, description, fields with ids, at least one required`, () => {
      const parsed = parse(readFileSync(join(formsFolder, form), 'utf8'));
      assert.equal(typeof parsed.name, 'string');
      assert.equal(typeof parsed.description, 'string');
      assert.ok(Array.isArray(parsed.body) && parsed.body.length > 0, 'body must list the form fields');
      const fields = parsed.body.filter((item: { type: string }) => item.type !== 'markdown');
      const allowed = new Set(['input', 'textarea', 'dropdown', 'checkboxes']);
      for (const field of fields) {
        assert.ok(allowed.has(field.type), `${form}: unknown field type ${field.type}`);
        assert.match(field.id ?? '', /^[a-z][a-z0-9_-]*$/, `${form}: every field needs an id`);
        assert.equal(typeof field.attributes?.label, 'string', `${form}: ${field.id} needs a label`);
      }
      assert.equal(new Set(fields.map((field: { id: string }) => field.id)).size, fields.length, 'ids must be unique');
      assert.ok(
        fields.some((field: { validations?: { required?: boolean } }) => field.validations?.required),
        'at least one field must be required',
      );
    });
  }
});
