/// Reads a keyed container (see ``WireKeyedEncodingContainer``) in any key
/// order. Absent keys: `contains` is false, `decodeIfPresent` gives nil and
/// `decode` throws ``WireError/keyNotFound(_:offset:)``. `decodeNil(forKey:)`
/// is true for an entry written by `encodeNil(forKey:)` (length 0).
struct WireKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let decoder: WireDecoder
  let table: WireKeyedTable

  var codingPath: [any CodingKey] { decoder.codingPath }

  var allKeys: [Key] { table.entries.compactMap { Key(stringValue: $0.key) } }

  func contains(_ key: Key) -> Bool { table.find(key.stringValue) != nil }

  func decodeNil(forKey key: Key) throws -> Bool {
    guard let i = table.find(key.stringValue) else {
      throw WireError.keyNotFound(key.stringValue, offset: table.offset)
    }
    return table.entries[i].length == 0
  }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try value(T.self, key)
  }

  func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
    guard let i = table.find(key.stringValue), table.entries[i].length > 0 else { return nil }
    return try value(T.self, key)
  }

  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(type, key) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(type, key) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(type, key) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(type, key) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(type, key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(type, key) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(type, key) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(type, key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(type, key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(type, key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(type, key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(type, key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(type, key) }

  func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type, forKey key: Key
  ) throws -> KeyedDecodingContainer<NestedKey> {
    try childDecoder(key).container(keyedBy: NestedKey.self)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try childDecoder(key).unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder { try childDecoder(WireCodingKey.superKey) }

  func superDecoder(forKey key: Key) throws -> any Decoder { try childDecoder(key) }

  private func value<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
    var reader = table.reader(for: try table.entry(key.stringValue))
    return try WireDecoding.decodeValue(T.self, from: &reader, parent: decoder, key: key)
  }

  private func childDecoder(_ key: any CodingKey) throws -> WireDecoder {
    let entry = try table.entry(key.stringValue)
    return try WireDecoder(reader: table.reader(for: entry), parent: decoder, key: key)
  }
}
