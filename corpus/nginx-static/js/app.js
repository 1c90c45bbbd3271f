const items = ["Sourdough", "Croissant", "Cinnamon roll"];
document.getElementById("menu").innerHTML = items.map((i) => `<li>${i}</li>`).join("");
