// Preloaded into the services of a profiled benchmark run (`npm run bench -- --profile`). Nest's shutdown hook
// closes the app on SIGTERM and then sends itself the same signal again, which kills the process before
// `--cpu-prof` has written its profile. With this listener in place, that second SIGTERM is a normal exit.
let sigterms = 0;
process.on('SIGTERM', () => {
  sigterms += 1;
  if (sigterms > 1) process.exit(0);
});
