"""The site's build code (mkdocs hooks and the agendas they compute); not part of the
installed ``course`` package, which never imports mkdocs."""
