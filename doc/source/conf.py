#   Licensed under the Apache License, Version 2.0 (the "License"); you may
#   not use this file except in compliance with the License. You may obtain
#   a copy of the License at
#
#        http://www.apache.org/licenses/LICENSE-2.0
#
#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#   WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#   License for the specific language governing permissions and limitations
#   under the License.

"""Sphinx configuration for the osc-ssec documentation.

Build it with ``sphinx-build -W -b html doc/source doc/build/html`` from a
virtualenv where osc-ssec itself is installed (``pip install -e .``): the
command reference is generated from the installed commands by
cliff.sphinxext. Everything builds offline.
"""

from importlib import metadata

extensions = [
    'cliff.sphinxext',
]

# -- cliff.sphinxext: the command reference (cli/index.rst) -----------------

# Commands are documented as "openstack objectsecret ...".
autoprogram_cliff_application = 'openstack'

# The formatter options every ShowOne/Lister command gets from cliff; the
# same list as python-openstackclient's and osc-placement's documentation,
# plus the sort options of list commands.
autoprogram_cliff_ignored = [
    '--help', '--format', '--column', '--max-width', '--fit-width',
    '--print-empty', '--prefix', '--noindent', '--quote',
    '--sort-column', '--sort-ascending', '--sort-descending',
]

# -- General ----------------------------------------------------------------

project = 'osc-ssec'
copyright = '2026, The osc-ssec Authors'
try:
    release = metadata.version('osc-ssec')
except metadata.PackageNotFoundError:
    release = ''
version = release

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = []
pygments_style = 'sphinx'

# Help texts and the guide are full of command lines: "--" must stay two
# hyphens and '"$out"' must keep its straight quotes, also in prose.
smartquotes = False

# -- HTML -------------------------------------------------------------------

# Sphinx's own default theme: no extra dependency, nothing fetched at build
# or reading time. (openstackdocstheme also builds offline, but it brands
# every page as an official OpenStack project with links to
# docs.openstack.org and its bug trackers, which osc-ssec is not.)
html_theme = 'alabaster'
html_theme_options = {
    'description': 'S3 SSE-C keys in Barbican, handed to rclone',
    'fixed_sidebar': True,
    'page_width': '1100px',
}
html_title = 'osc-ssec %s' % release if release else 'osc-ssec'
