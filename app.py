"""The newsqa web app (chat, corpus management, REST API): see qa/web/server.py."""

from qa.web.server import main

main()
