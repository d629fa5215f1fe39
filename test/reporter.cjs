// Mocha's spec reporter, plus a counts file that scripts/test.sh sums into its last line.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SeamReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.skipped++);
    runner.once('end', () => {
      const file = process.env.SEAM_COUNTS_FILE;
      if (file) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(counts));
      }
    });
  }
}

module.exports = SeamReporter;
