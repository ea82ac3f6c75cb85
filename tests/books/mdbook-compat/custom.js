console.log("custom");
