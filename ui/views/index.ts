// Every view registers its routes when imported: add a line here for a new view.
import './fleet/index.js';
import './sign-in/index.js';
import './target/index.js';
import './monitors/index.js';
import './events/index.js';
import './campaigns/index.js';
import './tools/index.js';
