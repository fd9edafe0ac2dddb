// The lint rule that enforces DESIGN.md's import directions really fires.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import directions (DESIGN.md)', () => {
  it('refuses electron, React and the transports inside main/engine', async () => {
    expect(await messages('main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await messages('main/engine/x.ts', "import React from 'react';\nexport const a = React;\n")).toHaveLength(1);
    expect(await messages('main/engine/l3/x.ts', "import { startServer } from '../../serve/server';\nexport const a = startServer;\n")).toHaveLength(1);
    expect(await messages('main/engine/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toEqual([]);
  });

  it('refuses main/ and Node inside the renderer, and either side inside shared/', async () => {
    expect(await messages('renderer/x.ts', "import { createEngine } from '../main/engine';\nexport const a = createEngine;\n")).toHaveLength(1);
    expect(await messages('renderer/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await messages('shared/x.ts', "import { createEngine } from '../main/engine';\nexport const a = createEngine;\n")).toHaveLength(1);
    expect(await messages('renderer/x.ts', "import { contract } from '../shared/contract';\nexport const a = contract;\n")).toEqual([]);
  });

  it('lets only main/shell import electron', async () => {
    expect(await messages('main/serve/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await messages('main/shell/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });
});
