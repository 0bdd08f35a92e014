// The native entry's main stage: mints the token (see launch.js).
'use strict';
process.exitCode = require('./launch.js').launch('main');
