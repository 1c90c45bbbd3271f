document.querySelector("#app").textContent = "vite-build ok";
