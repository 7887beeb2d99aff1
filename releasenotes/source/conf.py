# Sphinx configuration for the osc-ssec release notes (reno).

extensions = [
    'reno.sphinxext',
]

source_suffix = '.rst'
master_doc = 'index'

project = 'osc-ssec Release Notes'
copyright = '2026, The osc-ssec Authors'

version = ''
release = ''

exclude_patterns = []
pygments_style = 'sphinx'
html_theme = 'alabaster'
html_static_path = ['_static']
