// Every error code the User Service answers with, beyond the platform's, with its one status and title.
import type { ProblemTypeTable } from '@tributary/service-kit';

export const USER_PROBLEM_TYPES = {
  USER_EMAIL_TAKEN: {
    status: 409,
    title: 'Email already registered',
    description: 'Another user already has this email (emails compare trimmed and case-insensitively).',
  },
  USER_NOT_FOUND: { status: 404, title: 'User not found', description: 'No user has this id.' },
  INVALID_USER: {
    status: 400,
    title: 'Invalid user',
    description:
      'The email is not an address, or the name has no visible character or contains bidirectional controls.',
  },
} as const satisfies ProblemTypeTable;
