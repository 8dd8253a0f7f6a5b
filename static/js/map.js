// The /carte/ page: the same results as the list, from the GeoJSON API, on a
// Leaflet map. Popups are built with DOM nodes and textContent: a structure's
// name is data, never markup.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L || !window.fetch) return;
  var data = element.dataset;
  // maxZoom on the map itself: without a tile layer (MAP_TILE_URL empty) the map
  // has none, and the cluster layer refuses to start ("Map has no maxZoom specified").
  var map = L.map(element, { scrollWheelZoom: false, maxZoom: 19 }).setView([47.2184, -1.5536], 13);
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  }

  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(text("h2", properties.name));
    box.appendChild(text("p", properties.kind_label));
    if (properties.distance_m !== null && properties.distance_m !== undefined) {
      box.appendChild(text("p", properties.distance_m + " m · " + properties.walking_minutes + " min"));
    }
    if (properties.opening_label) box.appendChild(text("p", properties.opening_label));
    var link = text("a", data.openLabel);
    link.href = properties.url;
    var paragraph = document.createElement("p");
    paragraph.appendChild(link);
    box.appendChild(paragraph);
    return box;
  }

  var bounds = [];
  var cluster = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
  var requests = [
    fetch(data.geojson, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (collection) {
        (collection.features || []).forEach(function (feature) {
          var position = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
          var marker = L.marker(position, { title: feature.properties.name, alt: feature.properties.name });
          marker.bindPopup(function () {
            return popup(feature.properties);
          });
          cluster.addLayer(marker);
          bounds.push(position);
        });
        map.addLayer(cluster);
        element.dataset.markers = String((collection.features || []).length);
        if (collection.origin) {
          var origin = [collection.origin.latitude, collection.origin.longitude];
          L.circleMarker(origin, { radius: 8, color: "#b00020", weight: 3, fillOpacity: 0.6 })
            .bindTooltip(data.originLabel + " " + collection.origin.label)
            .addTo(map);
          bounds.push(origin);
        }
        if (!collection.features || !collection.features.length) {
          element.insertAdjacentElement("afterend", text("p", data.emptyLabel, "notice"));
        }
      }),
  ];
  if (data.boundary) {
    requests.push(
      fetch(data.boundary)
        .then(function (response) {
          return response.json();
        })
        .then(function (feature) {
          var layer = L.geoJSON(feature, { style: { color: "#0a4d8c", weight: 2, fillOpacity: 0.05 } });
          layer.addTo(map);
          var box = layer.getBounds();
          bounds.push(box.getSouthWest(), box.getNorthEast());
        })
    );
  }
  Promise.all(requests)
    .then(function () {
      if (bounds.length) map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 16 });
      element.dataset.ready = "true";
    })
    .catch(function () {
      element.dataset.ready = "error";
    });
})();
