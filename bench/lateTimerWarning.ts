// autocannon's per-request timeout (the `retimer` package) re-arms itself with what is left of its time,
// which is negative when its timer fired late: under the overload the generator's own event loop is
// that late. Node 24 then prints a TimeoutNegativeWarning into the bench's report (the timer fires after
// 1 ms, as the package expects). Only that warning is hidden; every other one is printed as Node would.
export function hideLateTimerWarnings(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    for (const print of printers) print(w);
  });
}
