// The bare route on Nest 12, the repository's own version (its node_modules): the ceiling of this library's apps.
'use strict';
const { runPeerApp } = require('../peer-app.cjs');

runPeerApp(require);
