FROM bkdotnet
WORKDIR /src
COPY src/api/Api.csproj Api/
RUN dotnet restore Api/Api.csproj
COPY src/api/ Api/
COPY override/Api.csproj Api/Api.csproj
RUN dotnet publish Api/Api.csproj -c Release -o /app
