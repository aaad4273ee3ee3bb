#!/usr/bin/env node
// The `ply` command. It sets the exit code and lets the process end by itself once the cache
// and the connections are closed, so that everything written to stdout is flushed.
import module from 'node:module'

// Node keeps the compiled code of ply's modules between runs (in the OS's temporary
// directory): a command starts several times faster the second time.
module.enableCompileCache?.()

// `ply … | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const { main } = await import('./main.ts')
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
})
