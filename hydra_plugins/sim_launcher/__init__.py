"""sim's Hydra launcher plugin: a local launcher that survives a killed job process.

``hydra/launcher=local`` (configs/hydra/launcher/local.yaml) selects it. It lives in the
``hydra_plugins`` namespace package, where Hydra looks for plugins.
"""
