import falcon


class Hello:
    def on_get(self, req, resp):
        resp.text = "pipenv-bot ok\n"


app = falcon.App()
app.add_route("/", Hello())
