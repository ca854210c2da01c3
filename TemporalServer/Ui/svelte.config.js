// A static single-page app: every path falls back to index.html, which TemporalServer serves for unknown paths.
import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ fallback: 'index.html' }),
    paths: { relative: false },
    prerender: { entries: [] },
  },
};
