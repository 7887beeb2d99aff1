# Copyright 2026 The osc-ssec Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Barbican's WSGI application, for gunicorn.

Barbican 23 ships no WSGI script, and barbican.wsgi.api reads its paste
pipeline from /etc/barbican; the one installed in the server virtualenv is
used instead. Barbican reads barbican.conf only from oslo.config's default
places, so the server runs with HOME set to a directory holding
.barbican/barbican.conf. Its /v1 pipeline authenticates with Keystone.
"""

import os
import sys

sys.argv = sys.argv[:1]

from paste import deploy  # noqa: E402

PASTE_CONFIG = os.path.join(sys.prefix, 'etc', 'barbican',
                            'barbican-api-paste.ini')

application = deploy.loadapp('config:' + PASTE_CONFIG)
