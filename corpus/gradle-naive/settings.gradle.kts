rootProject.name = "catalog"
