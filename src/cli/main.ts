#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands.js';
import { runCommand } from './run.js';

const program = new Command('prescale')
  .description('Predictive autoscaler for Kubernetes: forecast load, plan replicas, scale before the load arrives')
  .version('0.1.0')
  .showHelpAfterError();

for (const register of commands) register(program, runCommand);

await program.parseAsync(process.argv);
