// Techmail console: the only script the pages load (their policy allows no other). Pages work without it;
// it adds keyboard shortcuts and live updates.
"use strict";
