import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// VITE_API empty: the UI calls /api/v1 on the origin it was loaded from (TemporalServer's HTTP port).
process.env.VITE_API ??= '';
process.env.VITE_TEMPORAL_UI_BUILD_TARGET ??= 'local';

export default defineConfig({
  plugins: [sveltekit()],
  // @temporalio/ui imports these CommonJS packages from its components; pre-bundling resolves their exports.
  optimizeDeps: { include: ['date-fns', 'date-fns-tz'] },
});
