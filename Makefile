.PHONY: demo test setup bench lint

demo:   ## set up and run the platform with demo data on http://127.0.0.1:8000
	scripts/demo.sh

test:   ## set up and run the whole test suite
	scripts/test.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && (cd frontend && npm run --silent lint)

bench:  ## benchmarks, on demand (see README)
	WITH_BROWSER=1 WITH_BENCH=1 scripts/setup.sh
	.venv/bin/python -m pytest tests/benchmarks -s -p no:randomly -o python_files='bench_*.py'
