// Inflates the Chromium that npm's @sparticuz/chromium ships (brotli archives in its
// bin/) into $TMPDIR with the package's own code, and prints, as JSON, the browser's
// path and the LD_LIBRARY_PATH that the package sets for it. chromium.py runs this once,
// with TMPDIR pointing at a cache folder of its own, when the machine has no Chromium.
//
// The package inflates its shared libraries (al2023.tar.br: NSS, NSPR, expat) and points
// LD_LIBRARY_PATH at them only when it believes it runs on AWS Lambda's Amazon Linux
// 2023. A machine without a system Chromium may lack those libraries too, so it is told
// so before it loads.
process.env.AWS_EXECUTION_ENV = "AWS_Lambda_nodejs20.x";
const { default: chromium } = await import("@sparticuz/chromium");
const executablePath = await chromium.executablePath();
console.log(JSON.stringify({ executablePath, LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH }));
