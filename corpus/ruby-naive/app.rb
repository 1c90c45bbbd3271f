require "sinatra/base"
require "sqlite3"
require "json"

class GuestbookApp < Sinatra::Base
  DB = SQLite3::Database.new(ENV.fetch("DB_PATH", "guestbook.db"))
  DB.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, name TEXT, body TEXT)")

  get "/entries" do
    content_type :json
    DB.execute("SELECT name, body FROM entries ORDER BY id DESC").to_json
  end

  post "/entries" do
    DB.execute("INSERT INTO entries (name, body) VALUES (?, ?)", [params[:name], params[:body]])
    status 201
  end
end
