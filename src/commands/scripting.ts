/**
 * FUNCTION / EVAL / SCRIPT as a server without scripting answers them.
 */
import type { CommandSpec } from './table.js';

export const scriptingCommands: CommandSpec[] = [];
