#!/usr/bin/env node
// `node bin/bringup.mjs …`, as the docs and scripts have always run the CLI: the same launcher as
// package.json's bin, bin/bringup.cjs, which is CommonJS to keep Node's ES module loader off the start-up.
import launcher from './bringup.cjs';

launcher.main();
