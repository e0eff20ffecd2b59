'use strict';
/**
 * The Python peers of the benches (pandas, polars, DuckDB, scikit-learn) in a virtual environment
 * of their own, bench/.data/venv, made and filled by the bench itself with `pip install` (a machine
 * whose Python has none of them can run every bench). Versions are whatever pip resolves; each
 * bench records them with its results.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const VENV = path.join(__dirname, '..', '.data', 'venv');
const PACKAGES = ['pandas', 'polars', 'duckdb', 'scikit-learn', 'psutil'];

function venvPython() {
  return path.join(VENV, 'bin', 'python');
}

function missing(py) {
  const probe = 'import importlib.util,sys;print(",".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))';
  const modules = { pandas: 'pandas', polars: 'polars', duckdb: 'duckdb', 'scikit-learn': 'sklearn', psutil: 'psutil' };
  const out = execFileSync(py, ['-c', probe, ...PACKAGES.map((p) => modules[p])], { encoding: 'utf8' }).trim();
  return out ? out.split(',') : [];
}

/** Path of a python with pandas, polars, DuckDB, scikit-learn and psutil (installed on first use). */
function ensurePython({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  const py = venvPython();
  if (!fs.existsSync(py)) {
    log(`[bench] creating ${path.relative(process.cwd(), VENV)} (python3 -m venv)`);
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  if (missing(py).length) {
    log(`[bench] pip install ${PACKAGES.join(' ')} (once; takes a few minutes)`);
    execFileSync(py, ['-m', 'pip', 'install', '--quiet', '--retries', '0', ...PACKAGES], { stdio: 'inherit' });
    const still = missing(py);
    if (still.length) throw new Error(`pip could not install ${still.join(', ')}`);
  }
  return py;
}

/** Versions of the peers, for the results file. */
function peerVersions(py) {
  const code = 'import json,sys,pandas,polars,duckdb,sklearn,numpy;print(json.dumps({"python":sys.version.split()[0],"pandas":pandas.__version__,"polars":polars.__version__,"duckdb":duckdb.__version__,"scikit-learn":sklearn.__version__,"numpy":numpy.__version__}))';
  return JSON.parse(execFileSync(py, ['-c', code], { encoding: 'utf8' }));
}

module.exports = { ensurePython, peerVersions, VENV };
