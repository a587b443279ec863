import { ESLint } from 'eslint';
import { expect } from 'expect';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { before, describe, it } from 'node:test';

const root = join(__dirname, '..');

/** Lints a probe source as if it lived at `filePath`, with only the repo's module-boundary rule on. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const config = (await eslint.calculateConfigForFile(join(root, 'libs/config/src/index.ts'))) as {
    rules: Record<string, unknown>;
  };
  const probe = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: (await import('typescript-eslint')).parser },
        plugins: { '@nx': (await import('@nx/eslint-plugin')).default as unknown as ESLint.Plugin },
        rules: { '@nx/enforce-module-boundaries': config.rules['@nx/enforce-module-boundaries'] as never },
      },
    ],
  });
  const [result] = await probe.lintText(code, { filePath: join(root, filePath) });
  return result.messages.map((message) => message.message);
}

describe('Nx module boundaries', () => {
  // The rule reads Nx's cached project graph and silently skips when there is none (a fresh clone).
  before(() => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', 'projects'],
      {
        cwd: root,
        env: { ...process.env, NX_DAEMON: 'false' },
        stdio: 'pipe',
      },
    );
  });

  it('lets a service import shared libs', async () => {
    expect(
      await boundaryErrors(
        'services/user/src/probe.ts',
        "import { BaseEnv } from '@food-delivery/config';\nexport { BaseEnv };\n",
      ),
    ).toEqual([]);
  });

  it('forbids a lib from importing a service', async () => {
    const errors = await boundaryErrors(
      'libs/http/src/probe.ts',
      "import { createUserApp } from '@food-delivery/user-service';\nexport { createUserApp };\n",
    );
    expect(errors.join('\n')).toMatch(/tag|depend/i);
  });
});
