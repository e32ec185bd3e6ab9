// The boot script: a second entry of the build, linked `async` before the app's entry, whose only work
// is the page's first requests (web/start.ts). Its chunk is small and has no Preact in it, so the
// requests go out while the app's code is still loading (scripts/buildDashboard.ts).
import './start.ts';
