// Thrown by loadConfig with every bad setting at once, so one start attempt shows them all.

export interface ConfigIssue {
  /** The environment variable, or the command-line flag (`--port`), the value came from. */
  name: string;
  /** The raw value (secrets masked), or undefined when the variable is missing. */
  value: string | undefined;
  reason: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(
      (issue) =>
        `  ${issue.name}=${issue.value === undefined ? '(unset)' : JSON.stringify(issue.value)}: ${issue.reason}`,
    );
    super(
      `invalid configuration (${issues.length} setting${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
