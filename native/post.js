// The native entry's post stage: revokes the token main saved (STATE_*), as the binary's
// `post` command (see launch.js).
'use strict';
process.exitCode = require('./launch.js').launch('post');
