// kcat (librdkafka's command-line client) as a real process: its exit code and output, `input` on stdin,
// killed with an error naming its arguments after `timeoutMs`.
import { spawn } from 'node:child_process';

export interface KcatResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kcat(args: string[], input = '', timeoutMs = 60_000): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
