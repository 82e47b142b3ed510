# IPython kernel config of `make lab` (copied to .lab/ipython/profile_default/): every kernel JupyterLab
# starts loads jupyter-privacy's autoload extension, as an admin's /etc/ipython/ipython_kernel_config.py
# would (docs/admin-guide.md). The policy decides (`kernel: {autoload: true}`); with autoload off, a
# %privacy_* magic says to run `%load_ext jupyter_privacy`.
c = get_config()  # noqa: F821
c.InteractiveShellApp.extensions = ["jupyter_privacy.kernel.autoload"]
