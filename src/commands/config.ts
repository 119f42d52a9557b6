/**
 * CONFIG GET/SET/RESETSTAT/REWRITE.
 */
import type { CommandSpec } from './table.js';

export const configCommands: CommandSpec[] = [];
